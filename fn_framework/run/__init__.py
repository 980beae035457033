"""The run machinery behind the book's framework, one module per job.

``cli`` (a run's life: flags, play, train, resume, finish), ``config`` (settings dataclasses, their
ranges and flags), ``registry`` (one registration per algorithm), ``folders`` (run folders, the
lock, atomic writes), ``checkpoint``, ``signals`` (Ctrl-C and SIGTERM at a step boundary),
``callbacks`` (monitor.csv, TensorBoard, budgets, evaluations, the best model, progress),
``recording`` (GIF/MP4), ``plot_model`` (network diagrams), ``quiet`` (TensorFlow's start-up
lines), ``errors`` (one-line errors).
"""
