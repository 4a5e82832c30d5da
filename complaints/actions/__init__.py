"""Actions: countermeasures (warn, suspend, terminate, null-route) and their lifecycle,
the provisioning webhook that carries them out, policy rules that propose them, and the SLA
sweep with its escalations. May write to the customer through mediation's outbound queue
(docs/architecture.md).
"""
