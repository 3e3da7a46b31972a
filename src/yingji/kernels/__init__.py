"""Pure computational kernels (numpy/shapely only, no Django)."""
