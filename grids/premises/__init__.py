"""The premises registry 检查对象名录库: the units that are patrolled and inspected, each routed
to its grid by location."""
