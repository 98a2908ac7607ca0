exports.message = 'first';
