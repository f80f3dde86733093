"""Theory you can run: small, fast, tested models of non-contrastive learning.

* ``linear``: the linear-network dynamics of Tian, Chen & Ganguli (ICML 2021).
* ``wen_li``: the substitution / acceleration model of Wen & Li (NeurIPS 2022).

Li, Efros & Pathak's partial collapse needs the real trainer: it is a study, ``ssl_course.studies.collapse``.
"""
