"""The course's studies: the shipped reference runs (what each run changes, how to load and tabulate
them) and the experiments notebook 07 measures with the trainer. The library (``ssl_course``'s other
modules) does not import from here."""
