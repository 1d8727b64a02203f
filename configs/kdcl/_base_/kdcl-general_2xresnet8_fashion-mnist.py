# KDCL-General: ensemble weights w = C^-1 1 / 1^T C^-1 1 from the students' error covariance on a
# held-out split (training images 5,000-5,999, outside the first 5,000 (fashion-mnist-5k) or 1,000
# (-1k) that the students train on), refit every epoch by KDCLGeneralHook.
_base_ = ['./kdcl-minlogit_2xresnet8_fashion-mnist.py']

model = dict(ensemble=dict(_delete_=True, type='General', ridge=1e-4))
custom_hooks = [
    dict(
        type='KDCLGeneralHook',
        interval=1,
        heldout_dataloader=dict(
            batch_size=500,
            num_workers=0,
            collate_fn=dict(type='default_collate'),
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='LocalFashionMNIST',
                split='train',
                indices=list(range(5000, 6000)),
                pipeline=[dict(type='PackInputs')]))),
]
