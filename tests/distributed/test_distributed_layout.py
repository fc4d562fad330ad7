"""trnfft.distributed's layouts and redistribution, simulated for every rank in one process."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import trnfft.distributed as tdist  # noqa: E402
from trnfft.distributed._decomposition import choose  # noqa: E402
from trnfft.distributed._exchange import Exchange, pack, unpack  # noqa: E402
from trnfft.distributed._layout import pencil_grid, split_range  # noqa: E402
from trnfft.distributed._plan import _steps  # noqa: E402
from trnfft.core.errors import InvalidArgumentError  # noqa: E402

SHAPES = [(8, 6), (7, 5), (3, 9), (8, 4, 6), (6, 5, 7), (3, 8, 6), (2, 3, 5)]


def decompositions(shape, size):
    yield choose(shape, shape, size, "slab", None)
    if len(shape) == 3:
        yield choose(shape, shape, size, "pencil", None)


def test_split_range_matches_numpy_array_split():
    for n, parts in itertools.product(range(0, 12), range(1, 6)):
        pieces = np.array_split(np.arange(n), parts)
        assert [split_range(n, parts, i) for i in range(parts)] == \
            [(int(p[0]), int(p[-1]) + 1) if p.size else (split_range(n, parts, i)[0],) * 2
             for i, p in enumerate(pieces)]


@pytest.mark.parametrize("shape", SHAPES)
def test_every_layout_covers_the_global_array_exactly_once(shape):
    for size in range(1, 7):
        for dec in decompositions(shape, size):
            for layout in dec.layouts(shape):
                count = np.zeros(shape, int)
                for r in range(size):
                    count[layout.slices(r)] += 1
                assert (count == 1).all(), (shape, size, dec, layout)


def simulate(x_global, src, dst, batch=()):
    """Every rank packs its block of ``src``; route the pieces; every rank unpacks."""
    size, lead = src.size, (slice(None),) * len(batch)
    exchanges = [Exchange.between(src, dst, r) for r in range(size)]
    sent = []
    for r, ex in enumerate(exchanges):
        buf, counts = pack(x_global[lead + src.slices(r)].clone(), ex, batch)
        offsets = np.cumsum([0] + counts)
        sent.append([buf[offsets[q]:offsets[q + 1]] for q in range(size)])
    return [unpack(torch.cat([sent[q][r] for q in range(size)]), ex, batch)
            for r, ex in enumerate(exchanges)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("batch", [(), (2,)])
def test_redistribution_delivers_each_rank_its_block(shape, batch):
    g = torch.randn(batch + shape, dtype=torch.complex64)
    lead = (slice(None),) * len(batch)
    for size in (2, 3, 4):
        for dec in decompositions(shape, size):
            layouts = dec.layouts(shape)
            steps = list(zip(layouts[:-1], layouts[1:])) + [(layouts[-1], layouts[0])]
            for src, dst in steps:
                for r, block in enumerate(simulate(g, src, dst, batch)):
                    assert torch.equal(block, g[lead + dst.slices(r)]), (size, dec.name, src, dst)


def test_slab_exchanges_copy_once_packing_or_unpacking_not_both():
    first, second = choose((8, 4, 6), (8, 4, 6), 2, "slab", None).layouts((8, 4, 6))
    forward, back = Exchange.between(first, second, 0), Exchange.between(second, first, 0)
    x, y = torch.randn(first.local_shape(0)), torch.randn(second.local_shape(0))
    recv = torch.randn(second.local_shape(0)).reshape(-1)
    assert pack(x, forward, ())[0].data_ptr() != x.data_ptr()     # axis-1 pieces: packed
    assert unpack(recv, forward, ()).data_ptr() == recv.data_ptr()  # stacked on axis 0: in place
    assert pack(y, back, ())[0].data_ptr() == y.data_ptr()         # axis-0 pieces: sent as is
    recv = torch.randn(first.local_shape(0)).reshape(-1)
    assert unpack(recv, back, ()).data_ptr() != recv.data_ptr()     # axis-1 pieces: placed


def test_an_even_slab_exchange_sends_the_minimum():
    dec = choose((8, 8, 8), (8, 8, 8), 4, "slab", None)
    a, b = dec.layouts((8, 8, 8))
    for r in range(4):
        assert Exchange.between(a, b, r).elements_sent() == 8 * 8 * 8 // 4 * 3 // 4


@pytest.mark.parametrize("shape,size,name,grid", [
    ((64, 64, 64), 4, "slab", (4,)),
    ((3, 64, 64), 4, "pencil", (2, 2)),
    ((2, 2, 64), 8, "pencil", (2, 4)),
    ((3, 9), 4, "slab", (4,)),
])
def test_auto_takes_a_slab_unless_a_rank_would_be_left_empty(shape, size, name, grid):
    dec = choose(shape, shape, size, "auto", None)
    assert (dec.name, dec.grid) == (name, grid)


def test_pencil_grid_is_the_most_square_factorisation_that_fits():
    assert pencil_grid(16, (100, 100)) == (4, 4)
    assert pencil_grid(12, (100, 100)) == (3, 4)
    assert pencil_grid(12, (2, 100)) == (2, 6)
    assert pencil_grid(7, (100, 100)) == (1, 7)


def test_pencil_needs_three_dimensions():
    with pytest.raises(ValueError, match="3-D"):
        choose((8, 8), (8, 8), 4, "pencil", None)


def test_a_grid_with_a_slab_is_refused():
    with pytest.raises(ValueError, match="slab has none"):
        choose((8, 8, 8), (8, 8, 8), 4, "slab", (2, 2))


def test_without_an_initialised_process_group_the_error_says_what_to_do():
    with pytest.raises(InvalidArgumentError, match="init_process_group"):
        tdist.fftn(torch.zeros(4, 4, dtype=torch.complex64), (4, 4))


@pytest.mark.parametrize("size,grid,expected", [
    (1, None, [(0, 1, 2)]),                   # one rank: a single local FFT over every axis
    (2, (1, 2), [(2,), (0, 1)]),              # 1 x 2 pencil: the last two stages merge
    (4, (2, 2), [(2,), (1,), (0,)]),
])
def test_stages_without_an_exchange_between_them_merge(size, grid, expected):
    dec = choose((4, 6, 8), (4, 6, 5), size, "pencil" if grid else "slab", grid)
    layouts = dec.layouts((4, 6, 5))
    steps = _steps(dec.stage_axes(), layouts, 0)
    assert [axes for axes, _ in steps] == expected
    assert steps[-1][1] is None and all(ex is not None for _, ex in steps[:-1])
