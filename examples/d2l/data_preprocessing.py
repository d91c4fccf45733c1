"""D2L §2.2 data preprocessing: read a tiny CSV of houses, impute the missing numbers with the
column mean, one-hot encode the categorical column with a category for "missing", and turn the table
into tensors. The book does the table work with pandas (read_csv, get_dummies(dummy_na=True),
fillna(mean)); pandas is no dependency here, so the same steps are written with the csv module and
NumPy. The tensor part is the book's."""
import csv
import os
import tempfile

import numpy as np

import torchless as torch


def read_table(data_file):
    """(column names, rows) with 'NA' read as None."""
    with open(data_file, newline='') as f:
        rows = list(csv.reader(f))
    return rows[0], [[None if value == 'NA' else value for value in row] for row in rows[1:]]


def get_dummies(names, rows, dummy_na=True):
    """Numeric columns as floats (NaN where missing); each text column becomes one 0/1 column per
    category, plus `<name>_nan` for missing values (pandas.get_dummies' layout)."""
    columns, out_names = [], []
    for j, name in enumerate(names):
        values = [row[j] for row in rows]
        try:
            columns.append([np.nan if v is None else float(v) for v in values])
            out_names.append(name)
        except ValueError:  # a categorical column
            categories = sorted({v for v in values if v is not None})
            for category in categories + ([None] if dummy_na else []):
                columns.append([float(v == category) for v in values])
                out_names.append(f'{name}_{"nan" if category is None else category}')
    return out_names, np.array(columns).T


def main(directory=None):
    directory = directory or tempfile.mkdtemp()
    os.makedirs(os.path.join(directory, 'data'), exist_ok=True)
    data_file = os.path.join(directory, 'data', 'house_tiny.csv')
    with open(data_file, 'w') as f:
        f.write('''NumRooms,RoofType,Price
NA,NA,127500
2,NA,106000
4,Slate,178100
NA,NA,140000''')

    names, rows = read_table(data_file)
    # inputs, targets = data.iloc[:, 0:2], data.iloc[:, 2]
    input_names, inputs = get_dummies(names[:2], [row[:2] for row in rows])
    targets = np.array([float(row[2]) for row in rows])
    # inputs = inputs.fillna(inputs.mean())
    inputs = np.where(np.isnan(inputs), np.nanmean(inputs, axis=0), inputs)
    print(input_names)
    print(inputs)

    X = torch.tensor(inputs)
    y = torch.tensor(targets)
    print(X, y)
    return {"names": input_names, "X": X.tolist(), "y": y.tolist(), "dtypes": (str(X.dtype), str(y.dtype))}


if __name__ == "__main__":
    main()
