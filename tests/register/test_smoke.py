import pytest

from parindex.register.models import Unit


@pytest.mark.django_db
def test_reference_data_is_loaded_once_per_session():
    assert Unit.objects.count() == 97
