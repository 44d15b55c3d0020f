// Wrapper module: pins RootlessKit for the rootless BuildKit image.
module kli8nt.local/images/rootlesskit

go 1.24.2

require github.com/rootless-containers/rootlesskit/v2 v2.3.6 // indirect
