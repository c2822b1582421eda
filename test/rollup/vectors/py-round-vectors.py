# Writes "x ndigits round(x, ndigits)" lines (each value as Python's repr, which round-trips exactly) for the pyRound
# test: python3 py-round-vectors.py SEED COUNT. The committed py-round.txt is `python3 py-round-vectors.py 1 4000`.
# The mix leans on the cases a naive rounding gets wrong: ratios of counts (the KPI rates), dyadic values (exact
# ties such as 1/32), decimals that look like ties but are not, and arbitrary doubles of every magnitude.
import random, struct, sys

random.seed(int(sys.argv[1]))
for i in range(int(sys.argv[2])):
    kind = i % 8
    ndigits = random.randint(0, 8) if i % 3 else random.randint(0, 20)
    if kind == 0:
        x = random.randint(0, 10**6) / random.randint(1, 10**4)
    elif kind == 1:
        x = random.randint(-2**20, 2**20) / 2**random.randint(0, 30)
    elif kind == 2:
        x = (random.randint(0, 10**9) + 0.5) / 10**random.randint(0, 9)
    elif kind == 3:
        x = random.uniform(-1e6, 1e6)
    elif kind == 4:
        x = struct.unpack('d', struct.pack('Q', random.getrandbits(64)))[0]
    elif kind == 5:
        x = random.random() * 10**random.randint(-12, 22)
    elif kind == 6:
        x = random.randint(1, 999) / 1000 + random.choice([0, 5e-5, 5e-6, -5e-5])
    else:
        x = sum(random.random() for _ in range(random.randint(1, 5)))
    print(repr(x), ndigits, repr(round(x, ndigits)))
