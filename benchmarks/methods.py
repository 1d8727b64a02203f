"""The one list of methods: every family of configs, its paper, and the configs the tools run.

The accuracy table's rows (:mod:`benchmarks.accuracy.protocol`), the model zoo
(:mod:`benchmarks.accuracy.model_zoo`: ``configs/<folder>/metafile.yml`` and README blocks), the
GPU check (:mod:`benchmarks.gpu_check`) and the test fixtures (``tests/conftest.py``) all read
:data:`METHODS`. Adding a method: its module (registered, implementing
:class:`~mmkd_plugins.models.algorithms.DistillMethod`), its configs under ``configs/<folder>/``,
and one :class:`Method` entry here (or :func:`add` from a script or a test).

Pure data (no mmengine import): the report and the model-zoo writer read it without a
training stack.
"""
import dataclasses


@dataclasses.dataclass(frozen=True)
class Variant:
    """One config of a method that a tool runs.

    Attributes:
        name: the family name the GPU check and the tests use (``'kdcl-minlogit'``).
        config: its Fashion-MNIST config under ``configs/`` (the ``fashion-mnist-5k`` name; the
            table maps it to the other protocol), or a ``fashion-mnist-1k`` one for rows that
            exist in that protocol only.
        row: its accuracy-table row key, or None; ``label``, ``kind`` (how the harness trains
            it: 'plain', 'teacher', 'kd', 'kd_early', 'iekd', 'takd', 'online'), ``baseline``
            (the row it is compared with) and ``core`` (a core row: every seed) describe it.
        family: a test / GPU-check family (a short run of ``config``).
        gpu: run by the GPU check (a family unless False).
        cost_as: the family whose step time estimates this row's (the GPU check's planner);
            defaults to ``name``.
        teacher: the row whose checkpoint is the frozen teacher (kinds 'kd' and 'iekd'):
            resnet20 ('teacher') unless the student is the larger network.
    """
    name: str
    config: str
    row: str = None
    label: str = None
    kind: str = 'plain'
    baseline: str = None
    core: bool = False
    family: bool = True
    gpu: bool = None
    cost_as: str = None
    teacher: str = 'teacher'

    @property
    def on_gpu(self):
        return self.family if self.gpu is None else self.gpu and self.family


@dataclasses.dataclass(frozen=True)
class Method:
    """A config family: ``configs/<folder>/``, its paper (the metafile's collection and README
    header) and the variants the tools run.

    ``paper_results``: ``{config stem: (top-1, ECE, source)}`` the paper reports for a setting a
    config reproduces (listed beside ours in the README block only)."""
    folder: str
    name: str
    title: str
    paper: str
    code: str = None
    techniques: tuple = ('Knowledge Distillation', )
    task: str = 'Image Classification'
    variants: tuple = ()
    paper_results: dict = dataclasses.field(default_factory=dict)


FM = 'fashion-mnist-5k'
KD_PAIR = f'resnet20_resnet8x0.5_1xb128_{FM}.py'
ONLINE = 'Online Knowledge Distillation'

# The order is the table's: the core rows first, in this order, then the other rows.
METHODS = [
    Method('baseline', 'Baselines', 'Deep Residual Learning for Image Recognition',
           'https://arxiv.org/abs/1512.03385', 'https://github.com/open-mmlab/mmpretrain',
           ('SGD with Momentum', 'Weight Decay'), variants=(
               Variant('plain', f'baseline/resnet8_1xb128_{FM}.py', 'alone',
                       "resnet8 alone (the online rows' baseline)", core=True),
               Variant('resnet8x0.5', f'baseline/resnet8x0.5_1xb128_{FM}.py', 'resnet8x0.5',
                       "resnet8x0.5 alone (the teacher-student rows' baseline)", core=True,
                       family=False, cost_as='plain'),
               Variant('resnet8x4', f'baseline/resnet8x4_1xb128_{FM}.py', 'resnet8x4',
                       'resnet8x4 alone (teacher candidate)', family=False, cost_as='plain'),
           ),
           paper_results={'preact-resnet18_1xb128_cifar100': (
               '75.82', '11.84', 'PS-KD paper, baseline, error 24.18')}),
    Method('teachers', 'Teachers', 'Deep Residual Learning for Image Recognition',
           'https://arxiv.org/abs/1512.03385', 'https://github.com/HobbitLong/RepDistiller',
           ('SGD with Momentum', 'Weight Decay'), variants=(
               Variant('teacher', f'teachers/resnet20_1xb128_{FM}.py', 'teacher',
                       'resnet20 alone (the teacher)', 'teacher', core=True, family=False,
                       cost_as='pskd-memory'),
           ),
           paper_results={'resnet32x4_1xb64_cifar100': ('79.42', '—', 'RepDistiller')}),
    Method('kd', 'KD', 'Distilling the Knowledge in a Neural Network',
           'https://arxiv.org/abs/1503.02531', 'https://github.com/megvii-research/mdistiller',
           variants=(
               Variant('kd', f'kd/kd_{KD_PAIR}', 'kd', 'Hinton KD', 'kd', 'resnet8x0.5', True),
               # a student larger than its teacher (IE-KD's Fig. 1(b); fashion-mnist-1k only)
               Variant('kd-r20', 'kd/kd_resnet8x0.5_resnet20_1xb128_fashion-mnist-1k.py',
                       'kd_r20',
                       'Hinton KD, student larger (resnet8x0.5 > resnet20; vs resnet20 alone)',
                       'kd', 'teacher', family=False, cost_as='kd', teacher='resnet8x0.5'),
           )),
    Method('pskd', 'PS-KD', 'Self-Knowledge Distillation with Progressive Refinement of Targets',
           'https://arxiv.org/abs/2006.12000', 'https://github.com/lgcnsai/PS-KD-Pytorch',
           ('Self-Knowledge Distillation', ), variants=(
               Variant('pskd-memory', f'pskd/pskd_resnet20_1xb128_{FM}.py', 'pskd',
                       'PS-KD (resnet20, vs resnet20 alone)', 'plain', 'teacher', True),
               # the same config with model.source='snapshot' (the tests switch it)
               Variant('pskd-snapshot', f'pskd/pskd_resnet20_1xb128_{FM}.py', gpu=False),
           ),
           paper_results={
               'pskd_preact-resnet18_1xb128_cifar100': ('79.18', '1.77', 'PS-KD paper, error '
                                                        '20.82'),
               'pskd_resnet152_8xb32_in1k': ('78.59', '—', 'PS-KD paper, error 21.41')}),
    Method('kdcl', 'KDCL', 'Online Knowledge Distillation via Collaborative Learning',
           'https://openaccess.thecvf.com/content_CVPR_2020/html/Guo_Online_Knowledge_'
           'Distillation_via_Collaborative_Learning_CVPR_2020_paper.html', None, (ONLINE, ),
           variants=(
               Variant('kdcl-minlogit', f'kdcl/kdcl-minlogit_2xresnet8_1xb128_{FM}.py',
                       'kdcl_minlogit', 'KDCL-MinLogit (2 x resnet8, student 0)', 'online',
                       'alone', True),
               Variant('kdcl-linear', f'kdcl/kdcl-linear_2xresnet8_1xb128_{FM}.py',
                       'kdcl_linear', 'KDCL-Linear (2 x resnet8, student 0)', 'online', 'alone',
                       True),
               Variant('kdcl-naive', f'kdcl/kdcl-naive_2xresnet8_1xb128_{FM}.py', 'kdcl_naive',
                       'KDCL-Naive (2 x resnet8, student 0)', 'online', 'alone'),
               Variant('kdcl-general', f'kdcl/kdcl-general_2xresnet8_1xb128_{FM}.py',
                       'kdcl_general', 'KDCL-General (2 x resnet8, student 0)', 'online',
                       'alone'),
               # students that fit the data better: against resnet20 alone
               Variant('kdcl-minlogit-r20', f'kdcl/kdcl-minlogit_2xresnet20_1xb128_{FM}.py',
                       'kdcl_minlogit_r20',
                       'KDCL-MinLogit (2 x resnet20, student 0; vs resnet20 alone)', 'online',
                       'teacher', family=False, cost_as='kdcl-minlogit'),
               # KDCL's choices the paper leaves open (fashion-mnist-1k only): diagnostics
               Variant('kdcl-minlogit-shared',
                       'kdcl/kdcl-minlogit-sharedview_2xresnet8_1xb128_fashion-mnist-1k.py',
                       'kdcl_minlogit_shared',
                       'KDCL-MinLogit, target from one shared view (2 x resnet8)', 'online',
                       'alone', family=False, cost_as='kdcl-minlogit'),
               Variant('kdcl-minlogit-t1',
                       'kdcl/kdcl-minlogit-t1_2xresnet8_1xb128_fashion-mnist-1k.py',
                       'kdcl_minlogit_t1', 'KDCL-MinLogit, T = 1 (2 x resnet8)', 'online',
                       'alone', family=False, cost_as='kdcl-minlogit'),
               Variant('kdcl-minlogit-t4',
                       'kdcl/kdcl-minlogit-t4_2xresnet8_1xb128_fashion-mnist-1k.py',
                       'kdcl_minlogit_t4', 'KDCL-MinLogit, T = 4 (2 x resnet8)', 'online',
                       'alone', family=False, cost_as='kdcl-minlogit'),
               Variant('kdcl-linear-simplex',
                       'kdcl/kdcl-linear-simplex_2xresnet8_1xb128_fashion-mnist-1k.py',
                       'kdcl_linear_simplex', 'KDCL-Linear, weights on the simplex (2 x resnet8)',
                       'online', 'alone', family=False, cost_as='kdcl-linear'),
           ),
           paper_results={'kdcl-minlogit_resnet50_mobilenetv2_8xb32_in1k': (
               '78.2 / 74.0', '—', 'KDCL paper, ResNet-50 / MobileNetV2')}),
    Method('iekd', 'IE-KD', 'Revisiting Knowledge Distillation: An Inheritance and Exploration '
           'Framework', 'https://arxiv.org/abs/2107.00181',
           'https://github.com/yellowtownhz/IE-KD', variants=(
               Variant('iekd-stage2', f'iekd/iekd_{KD_PAIR}', 'iekd', 'IE-KD', 'iekd',
                       'resnet8x0.5', True),
               Variant('iekd-stage1', f'iekd/iekd-stage1_resnet20_1xb128_{FM}.py'),
               Variant('iekd-kd', f'iekd/iekd-kd_{KD_PAIR}', 'iekd_kd', 'IE-KD + KD', 'iekd',
                       'resnet8x0.5', family=False, cost_as='iekd-stage2'),
               Variant('iekd-at', f'iekd/iekd-at_{KD_PAIR}', 'ieat', 'IE-AT', 'iekd',
                       'resnet8x0.5', family=False, cost_as='iekd-stage2'),
               Variant('iekd-ft', f'iekd/iekd-ft_{KD_PAIR}', 'ieft', 'IE-FT', 'iekd',
                       'resnet8x0.5', gpu=False),
               # a student larger than its teacher (the paper's Fig. 1(b); fashion-mnist-1k only)
               Variant('iekd-r20', 'iekd/iekd_resnet8x0.5_resnet20_1xb128_fashion-mnist-1k.py',
                       'iekd_r20', 'IE-KD, student larger (resnet8x0.5 > resnet20; vs resnet20 '
                       'alone)', 'iekd', 'teacher', family=False, cost_as='iekd-stage2',
                       teacher='resnet8x0.5'),
               Variant('iedml', f'iekd/iedml_2xresnet8_1xb128_{FM}.py', 'iedml',
                       'IE-DML (2 x resnet8, student 0)', 'online', 'alone'),
           )),
    Method('dml', 'DML', 'Deep Mutual Learning', 'https://arxiv.org/abs/1706.00384',
           'https://github.com/YingZhangDUT/Deep-Mutual-Learning', (ONLINE, ), variants=(
               Variant('dml-alternate', f'dml/dml_2xresnet8_1xb128_{FM}.py', 'dml',
                       'DML (2 x resnet8, student 0)', 'online', 'alone', True),
               Variant('dml-r20', f'dml/dml_2xresnet20_1xb128_{FM}.py', 'dml_r20',
                       'DML (2 x resnet20, student 0; vs resnet20 alone)', 'online', 'teacher',
                       family=False, cost_as='dml-alternate'),
           )),
    Method('fitnets', 'FitNets', 'FitNets: Hints for Thin Deep Nets',
           'https://arxiv.org/abs/1412.6550', 'https://github.com/adri-romsor/FitNets',
           variants=(Variant('fitnets', f'fitnets/fitnets_{KD_PAIR}', 'fitnets', 'FitNets', 'kd',
                             'resnet8x0.5'), )),
    Method('at', 'AT', 'Paying More Attention to Attention: Improving the Performance of '
           'Convolutional Neural Networks via Attention Transfer',
           'https://arxiv.org/abs/1612.03928',
           'https://github.com/szagoruyko/attention-transfer',
           variants=(Variant('at', f'at/at_{KD_PAIR}', 'at', 'AT', 'kd', 'resnet8x0.5'), )),
    # the FT that IE-FT is compared with: the IE-KD code's (its paraphraser is IE-KD's stage 1)
    Method('ft', 'FT', 'Paraphrasing Complex Network: Network Compression via Factor Transfer',
           'https://arxiv.org/abs/1802.04977',
           'https://github.com/Jangho-Kim/Factor-Transfer-pytorch',
           variants=(Variant('ft', f'ft/ft_{KD_PAIR}', 'ft', 'FT (factor transfer)', 'iekd',
                             'resnet8x0.5', family=False, cost_as='iekd-ft'), )),
    Method('takd', 'TAKD', 'Improved Knowledge Distillation via Teacher Assistant',
           'https://arxiv.org/abs/1902.03393',
           'https://github.com/imirzadeh/Teacher-Assistant-Knowledge-Distillation',
           variants=(Variant('takd', f'takd/takd-stage2_resnet14_resnet8x0.5_1xb128_{FM}.py',
                             'takd', 'TAKD (resnet20 > resnet14 > resnet8x0.5)', 'takd',
                             'resnet8x0.5'), )),
    Method('eskd', 'ESKD', 'On the Efficacy of Knowledge Distillation',
           'https://arxiv.org/abs/1910.01348', variants=(
               Variant('eskd-a', f'eskd/eskd-a_{KD_PAIR}', 'eskd_a',
                       'ESKD (a): KD for the first half of the epochs', 'kd', 'resnet8x0.5'),
               Variant('eskd-b', f'eskd/eskd-b_{KD_PAIR}', 'eskd_b',
                       'ESKD (b): the teacher of the middle epoch', 'kd_early', 'resnet8x0.5',
                       family=False, cost_as='kd'),
           )),
    Method('detection', 'Detection backbone swap', 'Focal Loss for Dense Object Detection',
           'https://arxiv.org/abs/1708.02002', 'https://github.com/open-mmlab/mmdetection',
           ('Transfer of a distilled backbone', ), task='Object Detection'),
]


def add(method):
    """Append ``method`` (a :class:`Method`) to :data:`METHODS` (a user's or a test's own);
    its folder and variant names must be new. Returns it."""
    folders = {m.folder for m in METHODS}
    names = {v.name for v in variants()}
    if method.folder in folders:
        raise ValueError(f'methods.add: folder {method.folder!r} is already in METHODS')
    clash = sorted(names & {v.name for v in method.variants})
    if clash:
        raise ValueError(f'methods.add: variant names {clash} are already in METHODS')
    METHODS.append(method)
    return method


def variants():
    """Every variant, in :data:`METHODS` order."""
    return [v for m in METHODS for v in m.variants]


def families():
    """``{family name: config under configs/}``: the test fixtures' and GPU check's families."""
    return {v.name: v.config for v in variants() if v.family}


def gpu_families():
    """The families the GPU check runs."""
    return {v.name: v.config for v in variants() if v.on_gpu}


def table_rows():
    """The accuracy table's rows, core rows first: ``[Variant]``."""
    rows = [v for v in variants() if v.row]
    return [v for v in rows if v.core] + [v for v in rows if not v.core]


def by_folder():
    return {m.folder: m for m in METHODS}
