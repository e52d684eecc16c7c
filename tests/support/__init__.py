"""Helpers the tests share: the local control plane, a real operator process, polling."""
