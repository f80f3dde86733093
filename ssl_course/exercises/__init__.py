"""Checkers for the notebooks' exercises, one module per notebook: ``check_<name>(student_function)``.

Each checker runs the learner's function and an independent reference on seeded random inputs.
It prints a short pass message, or raises ``ExerciseError`` with a hint naming the likely mistake
(shape wrong, temperature not applied, stop-gradient forgotten, ...).

    >>> from ssl_course.losses import info_nce
    >>> check_info_nce(info_nce)
    info_nce: correct. Well done!
"""
from ssl_course.exercises.common import ExerciseError, judge_prediction
from ssl_course.exercises.contrastive import check_similarity_matrix, check_info_nce, check_info_nce_trains
from ssl_course.exercises.byol import check_ema_update, check_ema_update_trains, check_byol_momentum, check_ema_weights
from ssl_course.exercises.simsiam import check_simsiam_loss, check_simsiam_by_hand, check_std_of_k_directions
from ssl_course.exercises.linear_theory import check_fixed_points, check_mode_velocity, check_mode_velocity_trains, check_no_stop_gradient_rate
from ssl_course.exercises.wen_li import check_offdiag_head, check_offdiag_head_trains, check_cubic_moment
from ssl_course.exercises.directpred import check_directpred_weight, check_directpred_alpha_p
from ssl_course.exercises.collapse import check_explained_variance_auc, check_evenly_spread_auc

__all__ = ["CHECKERS", "ExerciseError", "judge_prediction", "check_info_nce", "check_similarity_matrix", "check_info_nce_trains", "check_ema_update", "check_ema_update_trains", "check_byol_momentum", "check_ema_weights", "check_simsiam_loss", "check_simsiam_by_hand", "check_std_of_k_directions", "check_fixed_points", "check_mode_velocity", "check_mode_velocity_trains", "check_no_stop_gradient_rate", "check_offdiag_head", "check_offdiag_head_trains", "check_cubic_moment", "check_directpred_weight", "check_directpred_alpha_p", "check_explained_variance_auc", "check_evenly_spread_auc"]
CHECKERS = {name[len("check_"):]: fn for name, fn in sorted(globals().items()) if name.startswith("check_")}
