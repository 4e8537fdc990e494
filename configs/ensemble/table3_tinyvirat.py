# The paper's Table 3 ensemble (Chen, Qiao & Wang, section 4): "UniFormer x1 + UniFormer(SR) x2
# + ir-CSN x4 + ir-CSN(SR) x3 + ir-CSN(SR+KD) x2", 12 models "trained at different epochs",
# with post-processing (class-size thresholds, one class per group): F1 0.883 on the
# challenge's test server. Not a training config: a recipe read by
#   python tools/analysis_tools/ensemble_recipe.py configs/ensemble/table3_tinyvirat.py \
#       --work-dir work_dirs/table3
# which tests every member checkpoint on val and on the public test split (SR members on the
# super-resolved test clips) and writes work_dirs/table3/ensemble/answer.txt.
#
# Each member's run is the short-name config trained into work_dirs/<config name> (README
# "Train and test"). The paper names neither the epochs nor the weights. Epochs: the ends of
# the schedule's cosine cycles (9, 16, 23, 30: the learning-rate minima,
# configs/_base_/schedules/adamw_warmup_cosine_restarts.py), the latest ones for the members
# with fewer models. Weights: equal. Change any of it here or with --cfg-options.
data_root = 'data/TinyVIRAT-v2'
work_root = 'work_dirs'
class_map = data_root + '/class_map.json'
test_split = dict(
    ann_file=data_root + '/tiny_test_v2.json',  # the unlabeled public test split (6,097 clips)
    videos=dict(lr=data_root + '/videos/test', sr=data_root + '/videos_sr/test'))
members = [
    dict(name='uniformer', paper='UniFormer', config='configs/uniformer_lr.py',
         run_dir=work_root + '/uniformer_lr', epochs=[30], input='lr'),
    dict(name='uniformer_sr', paper='UniFormer(SR)', config='configs/uniformer_sr.py',
         run_dir=work_root + '/uniformer_sr', epochs=[23, 30], input='sr'),
    dict(name='csn', paper='ir-CSN', config='configs/csn_lr.py',
         run_dir=work_root + '/csn_lr', epochs=[9, 16, 23, 30], input='lr'),
    dict(name='csn_sr', paper='ir-CSN(SR)', config='configs/csn_sr.py',
         run_dir=work_root + '/csn_sr', epochs=[16, 23, 30], input='sr'),
    # the KD config builds its frozen teacher at test time too (only the student is scored):
    # the SR run's checkpoint the student was distilled from
    dict(name='csn_kd', paper='ir-CSN(SR+KD)', config='configs/csn_kd.py',
         run_dir=work_root + '/csn_kd', epochs=[23, 30], input='lr',
         cfg_options=['model.teacher_ckpt=' + work_root + '/csn_sr/epoch_30.pth']),
]
ensemble = dict(
    groups='default',  # one class per group of exclusive classes (resources/tinyvirat_groups.yaml)
    counts_ann=data_root + '/tiny_train_v2.json',  # class sizes of the size rule
    threshold_mode='auto',  # the threshold mode with the best cross-validated F1 on val
    cv_folds=5)
