"""Offline tooling built on the registered core: nothing here is registered
or named by a config, and ``import tiny_action`` does not import it.

- :mod:`.ensemble`: checkpoint/model ensembles, threshold modes,
  ``answer.txt``, ensemble recipes (``tools/analysis_tools/ensemble.py``,
  ``tools/analysis_tools/test_checkpoints.py``,
  ``tools/analysis_tools/ensemble_recipe.py``);
- :mod:`.super_resolution`: dataset super-resolution
  (``tools/data/super_resolve.py``);
- :mod:`.distillation`: teacher-knowledge cache and student extraction
  (``tools/misc/cache_teacher.py``, ``tools/model_converters/extract_student.py``);
- :mod:`.data`: annotation/video validation (``tools/data/validate_data.py``);
- :mod:`.demo`: the demo job and its synthetic data renderer
  (``demo/run_demo.py``, ``demo/make_demo_data.py``).
"""
