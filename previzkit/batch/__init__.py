"""Dask jobs over many takes (a local cluster, or a farm's scheduler): ``previzkit batch``."""
