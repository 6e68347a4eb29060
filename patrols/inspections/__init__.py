"""Random inspections 双随机、一公开: the item list, the object and inspector directories, a
reproducible draw, results, and their publication."""
