# KDCL-General: ensemble weights w = C^-1 1 / 1^T C^-1 1 from the students' error covariance on a
# held-out split (the last 5,000 training images; the students train on the first 55,000),
# refit every epoch by KDCLGeneralHook.
_base_ = ['./kdcl_2xresnet20_fashion-mnist_minlogit.py']

model = dict(ensemble=dict(_delete_=True, type='General', ridge=1e-4))
train_dataloader = dict(dataset=dict(indices=55000))  # the first 55,000
custom_hooks = [
    dict(
        type='KDCLGeneralHook',
        interval=1,
        heldout_dataloader=dict(
            batch_size=500,
            num_workers=1,
            collate_fn=dict(type='default_collate'),
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='LocalFashionMNIST',
                split='train',
                indices=list(range(55000, 60000)),
                pipeline=[dict(type='PackInputs')]))),
]
