// Products page: a chosen CSV file is read into the form's text area, which the form posts
// (the dashboard takes no file uploads; the text is bounded by its 256 KB body limit).
(function () {
  'use strict';
  document.addEventListener('change', function (e) {
    var input = e.target.closest('input[type=file][data-csv-into]');
    if (!input || !input.files || !input.files[0]) { return; }
    var area = document.getElementById(input.getAttribute('data-csv-into'));
    var reader = new FileReader();
    reader.onload = function () { area.value = reader.result; };
    reader.readAsText(input.files[0]);
  });
}());
