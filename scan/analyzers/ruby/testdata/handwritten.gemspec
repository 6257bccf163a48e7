# frozen_string_literal: true

Gem::Specification.new do |spec|
  spec.name          = 'acme-client'
  spec.version       = Gem::Version.new("2.0.0.pre.beta1")
  spec.authors       = ["Jane Doe"]
  spec.license       = %q{Apache-2.0}
  spec.licenses      = %w[Apache-2.0 MIT]
  spec.summary       = "A client for #{spec.name}"
  spec.homepage      = "https://example.com/#{spec.name}"
end
