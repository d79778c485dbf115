"""Generation backends: `local` (offline preview renderer) and `wavespeed` (hosted ACE-Step)."""
