// A drop-down list filter (admin/registrations/dropdown_filter.html): choosing an option opens the list so filtered.
'use strict';
document.addEventListener('change', function (event) {
    if (event.target.matches('select.dropdown-filter')) {
        window.location.search = event.target.value;
    }
});
