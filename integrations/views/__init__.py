"""The integrations pages (thin: parse the input, check access, call one action, answer):
connections, the account layout and logins, plans, jobs, and the roster import."""
