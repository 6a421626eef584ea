// Package test holds checks of the deployment files (the Grafana dashboard, the Helm chart) with
// the libraries of their ecosystems. It is a module of its own, outside go.work, so that those
// libraries (PromQL's parser, helm, the Kubernetes types) never enter the services' builds.
// Run it with GOWORK=off from this folder; `make lint` and `make test` do.
package test
