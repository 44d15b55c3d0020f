// Wrapper module: pins crane (go-containerregistry) for scripts/images.
module kli8nt.local/images/crane

go 1.25.0

require github.com/google/go-containerregistry v0.22.1 // indirect
