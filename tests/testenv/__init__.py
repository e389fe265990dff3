"""Real servers on loopback for the test suite: etcd, kube-apiserver and vcsim built by tools/testenv/build.sh."""
