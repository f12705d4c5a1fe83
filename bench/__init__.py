"""edgekit's benchmarks against peer frameworks: see bench/README.md."""
