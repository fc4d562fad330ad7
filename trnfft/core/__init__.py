"""The contract and the call path: problem, hookspecs, errors, registry, selection,
planning, plan cache, dispatch, the per-call cross-check and the result check.
Imports nothing from the other layers."""
