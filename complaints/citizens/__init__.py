"""The citizens' page /report/ (随手拍): reports from anyone with a phone browser, followed by a
code, and the one "not fixed" after closure. Each report is a complaint of the web channel,
sent by the page's own integration client, routed and worked like any other."""
