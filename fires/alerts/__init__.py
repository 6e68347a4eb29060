"""一键报警: a fire in progress reported from a phone (or by SMS), recorded and fanned out to the
nearest on-duty grid workers, the grid leader, the township station and the nearest on-duty
micro fire stations, with who acknowledged and who is going (docs/fires.md)."""
