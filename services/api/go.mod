module github.com/shelfhq/shelf/services/api

go 1.26.8

require github.com/shelfhq/shelf/shared v0.0.0

replace github.com/shelfhq/shelf/shared => ../../shared
