"""Beam pipelines.

One module per stage under :mod:`newsmon.pipelines.stages`, all wired in
:mod:`newsmon.pipelines.streaming`.
"""
