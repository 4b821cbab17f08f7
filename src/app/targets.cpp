// in progress: lands with discovery and report
