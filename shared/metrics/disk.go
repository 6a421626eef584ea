//go:build linux || darwin || freebsd

package metrics

import (
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
)

// RegisterDataVolume exposes the free and total bytes of the file system that holds dir (the
// data folder: the SQLite database, settings.yaml and the title database), so an alert fires
// before a full disk stops every write. Bytes free means available to unprivileged users, as
// df shows them. A failed statfs reports nothing for that scrape.
func RegisterDataVolume(reg prometheus.Registerer, dir string) {
	reg.MustRegister(&volumeCollector{
		dir:  dir,
		free: prometheus.NewDesc("shelf_data_volume_free_bytes", "Bytes available on the file system of the data folder.", nil, nil),
		size: prometheus.NewDesc("shelf_data_volume_size_bytes", "Size in bytes of the file system of the data folder.", nil, nil),
	})
}

type volumeCollector struct {
	dir        string
	free, size *prometheus.Desc
}

func (c *volumeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.free
	ch <- c.size
}

func (c *volumeCollector) Collect(ch chan<- prometheus.Metric) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(c.dir, &st); err != nil {
		return
	}
	bsize := uint64(st.Bsize)
	ch <- prometheus.MustNewConstMetric(c.free, prometheus.GaugeValue, float64(uint64(st.Bavail)*bsize))
	ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(uint64(st.Blocks)*bsize))
}
