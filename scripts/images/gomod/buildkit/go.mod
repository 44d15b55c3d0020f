// Wrapper module: pins BuildKit for scripts/images (buildkitd, buildctl).
module kli8nt.local/images/buildkit

go 1.26.8

require github.com/moby/buildkit v0.34.2 // indirect
