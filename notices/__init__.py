"""Notices 执法文书: the documents a step of enforcement gives the unit (责令限期改正通知书,
复查意见书, 检查结果告知书), each a numbered PDF kept by its hash, and their service 送达."""
