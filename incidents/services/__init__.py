"""Every write to accounts and their penalties, by subject: `accounts` (create on first
reference, history rows, personal-data views), `violations` (record one and apply its rule),
`restrictions` (conditions that lift suspensions, lifting by hand), `reviews` (RM's decisions).
Callers import from the defining module."""
