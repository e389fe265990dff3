"""Kratix pipeline entry points (configure, delete) on kratix-sdk."""
