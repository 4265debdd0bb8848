"""What-if comparisons and parameter sweeps over governed replays (SPEC §13)."""
