# KDCL-General on CIFAR-100: weights from the error covariance on the last 5,000 training images
# (held out; the students train on the first 45,000), refit every epoch.
_base_ = ['./kdcl-minlogit_2xresnet32_1xb64_cifar100.py']

model = dict(ensemble=dict(_delete_=True, type='General', ridge=1e-4))
train_dataloader = dict(dataset=dict(indices=45000))  # the first 45,000
custom_hooks = [
    dict(
        type='KDCLGeneralHook',
        interval=1,
        heldout_dataloader=dict(
            batch_size=500,
            num_workers=4,
            collate_fn=dict(type='default_collate'),
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='CIFAR100',
                data_root='data/cifar100',
                split='train',
                indices=list(range(45000, 50000)),
                pipeline=[dict(type='PackInputs')]))),
]
