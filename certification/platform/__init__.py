"""The hand-off to the medical-insurance information platform (医保信息平台): what each certification
change tells it (`messages`), how it is told (`client`: HTTP, or the local simulator when no URL is
configured), and the transactional outbox that makes sure it is told exactly once, in order per
person (`outbox`), with the daily comparison of both sides (`reconcile`)."""
