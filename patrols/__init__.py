"""Patrols 巡查: checklists, patrol plans and tasks, geofenced visits, special campaigns and work
prompts, random inspections 双随机, worker assessment. Built in the patrols issue; uses hazards
(a failed checklist item creates a hazard) and grids."""
