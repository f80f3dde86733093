"""Theory you can run: small, fast, tested models of non-contrastive learning.

* ``linear``: the linear-network dynamics of Tian, Chen & Ganguli (ICML 2021).
* ``wen_li``: the substitution / acceleration model of Wen & Li (NeurIPS 2022).
* ``collapse``: partial dimensional collapse of SimSiam (Li, Efros & Pathak, ECCV 2022).
"""
