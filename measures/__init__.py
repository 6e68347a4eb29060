"""Measures against a unit 单位: 提醒、约谈、告诫、曝光 (issue 22, part 4; docs/measures.md)."""
