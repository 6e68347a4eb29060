"""The explainable risk score of premises and grids: weighted contributions from a versioned
rule set, recomputed by the worker, driving patrol frequency and the random draw's weights."""
