# tests of metrics
