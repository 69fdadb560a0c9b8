// Package validate proves that a WebAssembly model fits the browsers it ships
// to: the features it needs, the imports and exports of pwagen's model ABI, its
// memory under a budget (measured by running it under wazero) and its download
// size.
package validate
