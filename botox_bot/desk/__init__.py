"""The clinic's desk: live handoff to staff, business hours, the review loop, the patient's data rights and the
audit log. Below the runtime, above the core and the store: it knows no channel and no HTTP."""
