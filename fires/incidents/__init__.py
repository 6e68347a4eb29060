"""火灾事故: the register of fire incidents (Liuzhou #22), recorded by staff or from an alert,
published in masked form. Other packages read it through `fires.incidents.service`
(`incidents_by_premises`, `incidents_by_grid`)."""
