"""告知承诺: a public gathering place's signed commitment, its documents, and what a spot
check found of it."""
