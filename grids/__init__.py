"""The geo core: the area tree (county → township → village/community → grid), coordinate
systems, who works where, and scope ("may this caller touch this area")."""
