"""The array backends: the one seam between the rules and the array library (NumPy today)."""
