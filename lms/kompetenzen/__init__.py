"""Competence profiles for coordinators: the framework, target profiles, evidence, gaps and
recommendations."""
