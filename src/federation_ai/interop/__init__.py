"""Interoperability profiles: how a particular trading backend's messages and keys map to ours."""
